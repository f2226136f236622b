// Kernels of this file are being written; see runtime/backend/exports_nn.ts for their contract.
