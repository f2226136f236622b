/** Rebuilding modules from their configs (`toConfig()`), for loading saved models. */
import type { Module, ModuleConfig } from "./module.ts";

type Factory = (config: ModuleConfig) => Module;
const factories = new Map<string, Factory>();

/** Registers how to rebuild a module type from its config. */
export function registerModule(type: string, factory: Factory): void {
  factories.set(type, factory);
}

/** Rebuilds a module (with fresh parameters) from a config made by `toConfig()`. */
export function moduleFromConfig(config: ModuleConfig): Module {
  if (config === null || typeof config !== "object" || typeof config.type !== "string") {
    throw new Error(`moduleFromConfig: expected { type, options }, got ${JSON.stringify(config)}`);
  }
  const factory = factories.get(config.type);
  if (factory === undefined) {
    throw new Error(
      `moduleFromConfig: unknown module type "${config.type}" (known: ${
        [...factories.keys()].join(", ")
      }); ` +
        "register custom modules with registerModule",
    );
  }
  return factory(config);
}
