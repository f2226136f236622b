/** Registers the ONNX form of every built-in layer family (imported for its side effect). */
import "./container.ts";
import "./linear.ts";
import "./conv.ts";
import "./normalization.ts";
import "./activation.ts";
import "./pooling.ts";
import "./shape.ts";
import "./recurrent.ts";
import "./transformer.ts";
