import * as tf from "@tensorflow/tfjs";
import { startTfjs, TfjsGpt } from "../bench/seq_tfjs.ts";
await startTfjs();
const m = new TfjsGpt(65, 32, 32, 4, 2);
const seqs = [true, false].map((useCache) => {
  const seq = [1];
  const cache: any = useCache ? [] : null;
  for (let n = 0; n < 20; n++) {
    const fresh = cache && n > 0 ? seq.slice(-1) : seq;
    const logits = tf.tidy(() =>
      m.forward(tf.tensor2d(Int32Array.from(fresh), [1, fresh.length], "int32"), cache)
    );
    const row = logits.arraySync()[0][fresh.length - 1];
    seq.push(row.indexOf(Math.max(...row)));
  }
  return seq.join(",");
});
console.log(seqs[0] === seqs[1], seqs);
