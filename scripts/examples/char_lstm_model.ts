/**
 * The character-level LSTM language model of W6 and of `deno task char-lstm`: an embedding, a
 * stack of LSTM layers and a linear head over the vocabulary.
 */
import { nn, type Tensor } from "../../runtime/mod.ts";

/** Sizes of a CharLSTM. */
export interface CharLstmSizes {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between the LSTM layers. */
  dropout?: number;
}

/** Tokens int32 [batch, steps] → logits [batch, steps, vocabSize], each from earlier tokens only. */
export class CharLSTM extends nn.Module {
  embedding: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;

  constructor(readonly sizes: CharLstmSizes) {
    super();
    this.embedding = new nn.Embedding(sizes.vocabSize, sizes.embeddingDim);
    this.lstm = new nn.LSTM(sizes.embeddingDim, sizes.hiddenSize, {
      numLayers: sizes.numLayers,
      batchFirst: true,
      dropout: sizes.dropout ?? 0,
    });
    this.head = new nn.Linear(sizes.hiddenSize, sizes.vocabSize);
  }

  forward(tokens: Tensor): Tensor {
    return this.head.forward(this.lstm.forward(this.embedding.forward(tokens)));
  }
}
