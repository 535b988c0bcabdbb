/**
 * UTF-8 for the splicer. The core has no `TextEncoder`/`TextDecoder` in its type environment
 * (`types: []`), and ids are short, so a small codec is both portable and quick. Decoding
 * follows the WHATWG rules: each maximal invalid subpart becomes U+FFFD.
 */

/** Encodes a string as UTF-8; lone surrogates become U+FFFD. */
export function encodeUtf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let pos = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        code = 0xfffd;
      }
    }
    pos = writeCodePoint(out, pos, code);
  }
  return out.subarray(0, pos);
}

function writeCodePoint(out: Uint8Array, offset: number, code: number): number {
  let pos = offset;
  if (code < 0x80) {
    out[pos++] = code;
  } else if (code < 0x800) {
    out[pos++] = 0xc0 | (code >> 6);
    out[pos++] = 0x80 | (code & 0x3f);
  } else if (code < 0x10000) {
    out[pos++] = 0xe0 | (code >> 12);
    out[pos++] = 0x80 | ((code >> 6) & 0x3f);
    out[pos++] = 0x80 | (code & 0x3f);
  } else {
    out[pos++] = 0xf0 | (code >> 18);
    out[pos++] = 0x80 | ((code >> 12) & 0x3f);
    out[pos++] = 0x80 | ((code >> 6) & 0x3f);
    out[pos++] = 0x80 | (code & 0x3f);
  }
  return pos;
}

/** Valid range of the first continuation byte after a lead byte (WHATWG UTF-8 decoder). */
function continuationBounds(lead: number): readonly [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Decodes UTF-8 bytes in `[start, end)`; invalid sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const codes: number[] = [];
  let i = start;
  while (i < end) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      codes.push(lead);
      i++;
      continue;
    }
    const length = sequenceLength(lead);
    let code = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
    let j = i + 1;
    let [low, high] = continuationBounds(lead);
    let valid = length > 0;
    for (let k = 1; valid && k < length; k++, j++) {
      const byte = j < end ? (bytes[j] as number) : -1;
      if (byte < low || byte > high) {
        valid = false;
        break;
      }
      code = (code << 6) | (byte & 0x3f);
      low = 0x80;
      high = 0xbf;
    }
    codes.push(valid ? code : 0xfffd);
    // An invalid lead byte consumes itself; a broken sequence consumes its valid prefix.
    i = valid ? j : Math.max(j, i + 1);
  }
  return codePointsToString(codes);
}

function codePointsToString(codes: readonly number[]): string {
  let text = "";
  for (let i = 0; i < codes.length; i += 4096) {
    text += String.fromCodePoint(...codes.slice(i, i + 4096));
  }
  return text;
}
