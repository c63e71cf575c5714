/** A position in a text: 0-based line index, 1-based column in UTF-16 code units. */
export interface TextPosition {
  readonly lineIndex: number;
  readonly column: number;
}

const NEWLINE = 10;

/**
 * Positions of byte offsets in a text, for offsets visited in increasing order: newlines are
 * counted once from the previous offset (a file with many findings stays linear). The column
 * counts the line's prefix decoded as UTF-8, which is what an editor shows for a UTF-8 file.
 */
export class TextLocator {
  readonly #bytes: Buffer;
  #offset = 0;
  #lineIndex = 0;
  #lineStart = 0;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  locate(offset: number): TextPosition {
    if (offset < this.#offset) {
      this.#offset = 0;
      this.#lineIndex = 0;
      this.#lineStart = 0;
    }
    for (let nl = this.#bytes.indexOf(NEWLINE, this.#offset); nl !== -1 && nl < offset; nl = this.#bytes.indexOf(NEWLINE, nl + 1)) {
      this.#lineIndex++;
      this.#lineStart = nl + 1;
    }
    this.#offset = offset;
    return { lineIndex: this.#lineIndex, column: this.#bytes.toString('utf8', this.#lineStart, offset).length + 1 };
  }
}
