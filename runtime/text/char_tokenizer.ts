/** `CharTokenizer`: one token per character (Unicode code point), the vocabulary of a corpus. */

/**
 * Maps each distinct character of a corpus to an id (in code-point order) and back.
 * @example
 * const tokenizer = CharTokenizer.fromText("hello world");
 * tokenizer.decode(tokenizer.encode("hold")); // "hold"
 */
export class CharTokenizer {
  private readonly ids: Map<string, number>;

  /** From the vocabulary itself: the characters, id i being vocabulary[i]. */
  constructor(readonly vocabulary: readonly string[]) {
    this.ids = new Map(vocabulary.map((c, i) => [c, i]));
    if (this.ids.size !== vocabulary.length) {
      throw new Error("CharTokenizer: the vocabulary lists a character twice");
    }
    for (const c of vocabulary) {
      if (Array.from(c).length !== 1) {
        throw new Error(
          `CharTokenizer: every vocabulary entry must be one character, got ${JSON.stringify(c)}`,
        );
      }
    }
  }

  /** The distinct characters of `text`, sorted by code point. */
  static fromText(text: string): CharTokenizer {
    const characters = [...new Set(Array.from(text))];
    characters.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(characters);
  }

  /** Tokens in the vocabulary. */
  get vocabSize(): number {
    return this.vocabulary.length;
  }

  /** The ids of the characters of `text`; a character outside the vocabulary is an error. */
  encode(text: string): number[] {
    const out: number[] = [];
    let index = 0;
    for (const c of text) {
      const id = this.ids.get(c);
      if (id === undefined) {
        throw new Error(
          `CharTokenizer: character ${JSON.stringify(c)} (U+${
            c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")
          }) at index ${index} is not in the vocabulary of ${this.vocabSize} characters`,
        );
      }
      out.push(id);
      index += c.length;
    }
    return out;
  }

  /** The text of a list of ids. */
  decode(ids: Iterable<number>): string {
    let text = "";
    for (const id of ids) {
      const c = this.vocabulary[id];
      if (!Number.isInteger(id) || c === undefined) {
        throw new RangeError(
          `CharTokenizer: token id ${id} is outside 0..${this.vocabSize - 1}`,
        );
      }
      text += c;
    }
    return text;
  }

  /** The vocabulary, for saving beside a model (rebuild with `new CharTokenizer(json.vocabulary)`). */
  toJSON(): { type: "char"; vocabulary: string[] } {
    return { type: "char", vocabulary: [...this.vocabulary] };
  }
}
