/**
 * Position embeddings for sequence models: `LearnedPositionalEmbedding` (a trained table, as in
 * GPT-2 and BERT) and `SinusoidalPositionalEmbedding` (the fixed table of "Attention is all you
 * need"). Both map int32 positions [*] to vectors [*, dim], so a cache that feeds one new position
 * at a time asks for exactly that position.
 */
import type { Tensor } from "../tensor.ts";
import { Module, type ModuleConfig } from "./module.ts";
import { parameter } from "./parameter.ts";
import { keep } from "../backend/scope.ts";
import { randn } from "../ops/creation.ts";
import { embedding } from "../ops/embedding_impl.ts";
import { sinusoidalPositionalEncoding } from "../ops/positional.ts";
import { registerModule } from "./registry.ts";

/** Rows of `table` for int32 positions, with errors that name the layer and its maxLength. */
function lookUp(where: string, positions: Tensor, table: Tensor): Tensor {
  if (positions.dtype !== "int32") {
    throw new TypeError(
      `${where}: positions must be an int32 tensor, e.g. arange(steps, undefined, 1, ` +
        `{ dtype: "int32" }), got ${positions.dtype}`,
    );
  }
  try {
    return embedding(positions, table);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new RangeError(
      `${where}: a position is outside 0..${table.shape[0] - 1} (${error.message}); build the ` +
        "layer with a larger maxLength",
    );
  }
}

/**
 * A trained position table `weight` [maxLength, dim], N(0, 0.02²) at start (GPT-2's). Positions
 * int32 [*] → [*, dim]. @example const pos = new nn.LearnedPositionalEmbedding(128, 64);
 */
export class LearnedPositionalEmbedding extends Module {
  weight: Tensor;
  constructor(readonly maxLength: number, readonly dim: number) {
    super();
    this.weight = parameter(randn([maxLength, dim], { std: 0.02 }));
  }
  forward(positions: Tensor): Tensor {
    return lookUp("LearnedPositionalEmbedding", positions, this.weight);
  }
  /** None: a lookup. */
  override flops(): number {
    return 0;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "LearnedPositionalEmbedding",
      options: { maxLength: this.maxLength, dim: this.dim },
    };
  }
}

/**
 * The fixed sinusoidal table [maxLength, dim] (see F.sinusoidalPositionalEncoding); nothing to
 * train or save. Positions int32 [*] → [*, dim].
 */
export class SinusoidalPositionalEmbedding extends Module {
  private readonly table: Tensor;
  constructor(readonly maxLength: number, readonly dim: number) {
    super();
    // Held in a private field (no parameter, no buffer): it is rebuilt, not loaded.
    this.table = keep(sinusoidalPositionalEncoding(maxLength, dim));
  }
  forward(positions: Tensor): Tensor {
    return lookUp("SinusoidalPositionalEmbedding", positions, this.table);
  }
  /** None: a lookup. */
  override flops(): number {
    return 0;
  }
  override toConfig(): ModuleConfig {
    return {
      type: "SinusoidalPositionalEmbedding",
      options: { maxLength: this.maxLength, dim: this.dim },
    };
  }
}

for (
  const [name, Type] of [
    ["LearnedPositionalEmbedding", LearnedPositionalEmbedding],
    ["SinusoidalPositionalEmbedding", SinusoidalPositionalEmbedding],
  ] as const
) {
  registerModule(
    name,
    ({ options = {} }) => new Type(options.maxLength as number, options.dim as number),
  );
}
