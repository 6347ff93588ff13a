// What the gateways report (metrics per app, their view of the route table): the contract between
// the gateways (write) and control (read).
export * from './reports.js';
