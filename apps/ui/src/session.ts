/**
 * The API key lives in sessionStorage: it survives a reload of the tab but not
 * closing it, and is never sent anywhere but the hub's own API.
 */
const KEY = 'concord.apiKey';

export const savedKey = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;
export const saveKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);
