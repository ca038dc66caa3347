// The RGBA pixels of an 8-bit RGBA, non-interlaced PNG (what the tray writes and what
// icons/tray*.png are), so a test can tell which picture the tray shows: the tray re-encodes
// the picture, so the bytes differ while the pixels do not.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

export function pngPixels(file) {
  const b = readFileSync(file);
  let width;
  let height;
  const idat = [];
  for (let off = 8; off < b.length; ) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error(`${file}: not 8-bit RGBA non-interlaced`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  // Undo the per-row filters (PNG spec, section 9).
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = 4;
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? out[y * stride + x - bpp] : 0;
      const up = y ? out[(y - 1) * stride + x] : 0;
      const upLeft = x >= bpp && y ? out[(y - 1) * stride + x - bpp] : 0;
      let v = src[x];
      if (filter === 1) v += left;
      else if (filter === 2) v += up;
      else if (filter === 3) v += (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        v += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, pixels: out };
}

/** Whether two PNG files show the same picture. */
export function samePicture(a, b) {
  const [x, y] = [pngPixels(a), pngPixels(b)];
  return x.width === y.width && x.height === y.height && x.pixels.equals(y.pixels);
}
