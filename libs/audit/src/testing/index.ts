export * from './tamper';
export * from './sealed-log';
