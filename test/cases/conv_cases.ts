/** Gradient-check cases of the conv ops, keyed by their name in F (see test/ops_gradcheck_test.ts). */
import type { GradcheckCase } from "./case.ts";

export const convCases: Record<string, GradcheckCase[]> = {};
