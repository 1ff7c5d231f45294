export * from './provider';
export * from './webhook-receiver';
