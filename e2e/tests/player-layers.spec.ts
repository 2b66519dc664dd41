import { captionBackgroundIsPainted, overlapArea, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';

test('captions sit above a player’s own overlay layers', async ({ openCaptured }) => {
  const { page } = await openCaptured('player.html');

  const box = await visibleCaptionBox(page);
  const playerBox = await page.locator('#player').boundingBox();
  if (!playerBox) throw new Error('player has no box');
  expect(overlapArea(box, playerBox)).toBeGreaterThan(0);

  // Both the transparent click shield and the control bar (max z-index) cover the video; the
  // captions must still be what the user sees at their own centre.
  const hit = await page.evaluate(
    ({ x, y }) => {
      const element = document.elementFromPoint(x, y);
      return {
        onCaptions: !!element?.closest('[data-earshot-captions]'),
        what: element?.outerHTML.slice(0, 80),
      };
    },
    { x: box.x + box.width / 2, y: box.y + box.height / 2 },
  );
  expect(hit.onCaptions, `element at the caption centre: ${hit.what}`).toBe(true);
  expect(await captionBackgroundIsPainted(page, box)).toBe(true);
});
