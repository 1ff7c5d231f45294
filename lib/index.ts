export * from './provider';
export * from './webhook-receiver';
export * from './security';
