/** Writing SVG by hand: escaping, elements from attribute objects, compact numbers, base64. */

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number with at most two decimals (coordinates do not need more). */
export function fixed(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Attribute values: strings, numbers, or undefined (left out). */
export type Attributes = Record<string, string | number | undefined>;

/** `<name a="1" ...>children</name>`, or self-closing without children. */
export function element(
  name: string,
  attributes: Attributes,
  children?: string | string[],
): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? fixed(v) : escapeXml(v as string)}"`)
    .join("");
  if (children === undefined) return `<${name}${attrs}/>`;
  return `<${name}${attrs}>${Array.isArray(children) ? children.join("") : children}</${name}>`;
}

/** The font stack of every picture: DejaVu Sans (bundled for rasterising), then common sans fonts. */
export const fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** A standalone SVG document of the given size, on a white background. */
export function svgDocument(width: number, height: number, body: string | string[]): string {
  return element("svg", {
    xmlns: "http://www.w3.org/2000/svg",
    "xmlns:xlink": "http://www.w3.org/1999/xlink",
    width,
    height,
    viewBox: `0 0 ${fixed(width)} ${fixed(height)}`,
    "font-family": fontFamily,
    "font-size": 12,
  }, [element("rect", { width, height, fill: "#ffffff" }), ...[body].flat()]) + "\n";
}

/** Base64 of bytes (for data: URIs), in chunks so large images do not overflow the stack. */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Roughly how wide a text is in DejaVu Sans (for layout; 0.6 em per character). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}
