// Google login (passport + passport-google-oauth20): see router.ts for the flow.
export { googleRouter } from './router.js';
