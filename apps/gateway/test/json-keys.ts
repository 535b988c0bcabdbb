/**
 * Keys that occur more than once in the same object of a JSON text, as `path.key` (`payload.id`).
 * `JSON.parse` keeps the last of duplicate keys silently, so this scans the text itself: a small
 * tokenizer that tracks objects, arrays and strings. The text is assumed to be valid JSON.
 */
export function duplicateJsonKeys(text: string): string[] {
  const duplicates: string[] = [];
  // One frame per open object or array: the keys seen (objects only) and the key it sits under.
  const stack: { keys: Set<string> | undefined; path: string }[] = [];
  let lastString: string | undefined;
  let lastKey = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\") {
          value += text.slice(j, j + 2);
          j += 2;
        } else {
          value += text[j];
          j++;
        }
      }
      lastString = value;
      i = j + 1;
      continue;
    }
    if (c === ":") {
      const frame = stack.at(-1);
      if (frame?.keys !== undefined && lastString !== undefined) {
        const path = frame.path === "" ? lastString : `${frame.path}.${lastString}`;
        if (frame.keys.has(lastString)) duplicates.push(path);
        frame.keys.add(lastString);
        lastKey = path;
      }
    } else if (c === "{" || c === "[") {
      const parent = stack.at(-1);
      const path = parent?.keys === undefined ? (parent?.path ?? "") : lastKey;
      stack.push({ keys: c === "{" ? new Set() : undefined, path });
    } else if (c === "}" || c === "]") {
      stack.pop();
    }
    if (c !== " " && c !== "\n" && c !== "\t" && c !== "\r") lastString = c === ":" ? lastString : undefined;
    i++;
  }
  return duplicates;
}
