import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BACKGROUND, ICON_SIZES, INTERIM_TEXT, iconPng } from '../icon/earshot-icon';

/** Decodes the PNGs encodePng writes (8-bit RGBA, filter 0 on every row). */
function decode(png: Buffer): { width: number; height: number; pixel(x: number, y: number): number[] } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
    }
    if (type === 'IDAT') data.push(body);
    offset += length + 12;
  }
  const raw = inflateSync(Buffer.concat(data));
  return {
    width,
    height,
    pixel: (x, y) => [...raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 4)],
  };
}

describe('the Earshot icon', () => {
  it.each(ICON_SIZES)('renders at %i px: transparent corners, the tile, the caption lines', (size) => {
    const image = decode(iconPng(size));
    expect([image.width, image.height]).toEqual([size, size]);
    expect(image.pixel(0, 0)[3]).toBe(0);
    expect(image.pixel(size - 1, size - 1)[3]).toBe(0);
    // Between the level bars and the caption lines: the tile's own colour, opaque.
    expect(image.pixel(Math.floor(size * 0.08), Math.floor(size * 0.5))).toEqual([...BACKGROUND, 255]);
    // The middle of the lower caption line is the interim colour.
    const interim = image.pixel(Math.floor(size * 0.4), Math.floor(size * 0.83));
    expect(interim.slice(0, 3).map((v, i) => Math.abs(v - (INTERIM_TEXT[i] as number)))).toEqual([0, 0, 0]);
  });
});
