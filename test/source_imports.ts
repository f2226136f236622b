/**
 * The static imports of the TypeScript sources under a folder, for the layering tests: which file
 * imports which (relative specifiers resolved to paths), and whether an import is type-only.
 */

/** One static `import ... from` / `export ... from` of a source file. */
export interface SourceImport {
  /** Absolute path of the imported file (relative specifiers only). */
  target: string;
  /** `import type` / `export type`: erased at compile time, so it orders no module evaluation. */
  typeOnly: boolean;
  /** The names imported (empty for `import "x"` and `export * from "x"`). */
  names: string[];
}

const importPattern =
  /^\s*(?:import|export)\s+(type\s+)?(?:([^;]*?)\s+from\s+)?["']([^"']+)["']\s*;?/gm;

/** Every .ts file under `dir` (absolute paths), sorted. */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of Deno.readDirSync(folder)) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  walk(dir);
  return files.sort();
}

/** The relative static imports of one source text, resolved against its path. */
export function parseImports(path: string, source: string): SourceImport[] {
  const found: SourceImport[] = [];
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[3];
    if (!specifier.startsWith(".")) continue;
    const clause = match[2] ?? "";
    const braces = clause.match(/\{([^}]*)\}/);
    const items = braces ? braces[1].split(",").map((s) => s.trim()).filter((s) => s !== "") : [];
    const names = items.map((item) => item.replace(/^type\s+/, "").split(/\s+as\s+/)[0]);
    const everyNameTyped = items.length > 0 && items.every((item) => item.startsWith("type "));
    found.push({
      target: new URL(specifier, `file://${path}`).pathname,
      typeOnly: match[1] !== undefined || everyNameTyped,
      names,
    });
  }
  return found;
}

/** The import graph of the files under `dir`: file → files it imports at run time. */
export function runtimeImportGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const imports = parseImports(file, Deno.readTextFileSync(file));
    graph.set(file, imports.filter((i) => !i.typeOnly).map((i) => i.target));
  }
  return graph;
}

/** The strongly connected components with more than one file (or a file importing itself). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    lowLink.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(next)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) {
      cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}
