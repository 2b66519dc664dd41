import { expectCaptionBackgroundPainted, overlapArea, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';

test('captions sit above a player’s own overlay layers', async ({ openCaptured }) => {
  const { page } = await openCaptured('player.html');

  const box = await visibleCaptionBox(page);
  const playerBox = await page.locator('#player').boundingBox();
  if (!playerBox) throw new Error('player has no box');
  expect(overlapArea(box, playerBox)).toBeGreaterThan(0);

  // Both the transparent click shield and the control bar (max z-index) cover the video; the
  // captions must still be what the user sees at their own centre. Captions hide between cues, so
  // each try measures the box it hits afresh.
  await expect
    .poll(
      async () => {
        const { x, y, width, height } = await visibleCaptionBox(page);
        return page.evaluate(
          ({ x, y }) => {
            const element = document.elementFromPoint(x, y);
            return element?.closest('[data-earshot-captions]') ? 'captions' : element?.outerHTML.slice(0, 80);
          },
          { x: x + width / 2, y: y + height / 2 },
        );
      },
      { message: 'element at the caption centre', timeout: 15_000 },
    )
    .toBe('captions');
  await expectCaptionBackgroundPainted(page);
});
