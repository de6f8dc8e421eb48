// The protocol between driver, scheduler, executors and shuffle: task descriptors and results,
// typed failure reasons, map outputs and message kinds. Types and small pure helpers only; every
// subsystem imports these from here, so none needs to import another for its vocabulary.

export * from './failure.ts';
export * from './map-output.ts';
export * from './messages.ts';
export * from './task.ts';
export * from './broadcast.ts';
export * from './reconnect.ts';
