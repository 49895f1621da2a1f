// Open Badges 3.0: credential documents, signing, baking and verification. Pure spec code (no I/O, clock or randomness).
export * from './bake.js';
export * from './credential.js';
export * from './document-loader.js';
export * from './sign.js';
export * from './verify.js';
