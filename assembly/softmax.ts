// Kernels of this file are being written; see runtime/backend/exports.ts for their contract.
