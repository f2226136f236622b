/**
 * The member names of a JSON object text in order, duplicates included (JSON.parse keeps only the
 * last of a repeated name, and reorders integer-like names). The text must already be known to
 * be valid JSON (JSON.parse accepted it).
 */
export function objectKeys(text: string): string[] {
  const keys: string[] = [];
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return keys;
  i = skipSpace(text, i + 1);
  while (i < text.length && text[i] !== "}") {
    const end = stringEnd(text, i);
    keys.push(JSON.parse(text.slice(i, end)));
    i = skipSpace(text, end);
    i = skipValue(text, skipSpace(text, i + 1)); // past ':' and the value
    i = skipSpace(text, i);
    if (text[i] === ",") i = skipSpace(text, i + 1);
  }
  return keys;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && " \t\n\r".includes(text[i])) i++;
  return i;
}

/** Index just past the string starting at i (text[i] is the opening quote). */
function stringEnd(text: string, i: number): number {
  i++;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** Index just past the value starting at i. */
function skipValue(text: string, i: number): number {
  if (text[i] === '"') return stringEnd(text, i);
  if (text[i] !== "{" && text[i] !== "[") {
    while (i < text.length && !",}] \t\n\r".includes(text[i])) i++;
    return i;
  }
  let depth = 0;
  do {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    i++;
  } while (depth > 0 && i < text.length);
  return i;
}
