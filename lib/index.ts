export * from './monitoring';
export * from './provider';
export * from './reconcile';
export * from './webhook-receiver';
export * from './security';
export * from './processor';
export * from './ordering';
export * from './archive';
