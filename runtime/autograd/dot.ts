/** Renders the recorded autodiff graph as Graphviz DOT: tensors as boxes, ops as ellipses. */
import type { Tensor } from "../tensor.ts";
import { formatShape } from "../shape.ts";

function quote(text: string): string {
  return `"${text.replace(/"/g, '\\"')}"`;
}

function tensorLabel(t: Tensor): string {
  const kind = t.node !== null ? "" : t.requiresGrad ? "leaf · requires grad" : "constant";
  const title = t.name ?? `t${t.id}`;
  return [title, formatShape(t.shape), kind].filter((s) => s !== "").join("\\n");
}

/**
 * Graphviz DOT of the graph that produced `root`: every tensor (name or id, shape, whether it is a
 * leaf) and every op in between, edges in the direction data flows.
 * @example await Deno.writeTextFile("graph.dot", toDot(loss)); // dot -Tsvg graph.dot
 */
export function toDot(root: Tensor, options: { title?: string } = {}): string {
  const lines = [
    `digraph ${quote(options.title ?? "autodiff")} {`,
    "  rankdir=LR;",
    '  node [fontname="Helvetica", fontsize=10];',
  ];
  const seen = new Set<Tensor>();
  const pending = [root];
  while (pending.length > 0) {
    const t = pending.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const fill = t === root ? "#fde2e2" : t.node === null && t.requiresGrad ? "#e2ecfd" : "#ffffff";
    lines.push(
      `  t${t.id} [label=${quote(tensorLabel(t))}, shape=box, style=filled, fillcolor="${fill}"];`,
    );
    if (t.node !== null) {
      lines.push(`  op${t.id} [label=${quote(t.node.op)}, shape=ellipse];`);
      lines.push(`  op${t.id} -> t${t.id};`);
      for (const input of t.node.inputs) {
        lines.push(`  t${input.id} -> op${t.id};`);
        pending.push(input);
      }
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
