// Kernels of this file are being written; see runtime/backend/exports_conv.ts for their contract.
