/** PNG encoding of 8-bit pixels through `fast-png` (pure JavaScript, no native code). */
import { encode } from "fast-png";

/**
 * PNG bytes of `width × height` pixels with 1 (grey), 3 (RGB) or 4 (RGBA) channels, row-major.
 * @example encodePng(new Uint8Array(28 * 28), 28, 28, 1)
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error(
      `encodePng: ${width}×${height} pixels of ${channels} channels need ${
        width * height * channels
      } ` +
        `bytes, got ${pixels.length}`,
    );
  }
  return encode({ width, height, data: pixels, channels, depth: 8 });
}
