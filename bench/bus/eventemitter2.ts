import eventemitter2 from 'eventemitter2';

// The package is CommonJS (`module.exports = EventEmitter`) while its typings declare an ESM
// default export, so under NodeNext the class is reached, typed, through its static alias.
export const { EventEmitter2 } = eventemitter2;
export type EventEmitter2 = InstanceType<typeof EventEmitter2>;
