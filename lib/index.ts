export * from './monitoring';
export * from './provider';
export * from './webhook-receiver';
export * from './security';
export * from './processor';
export * from './jwt';
