export * from './fraudScore.js';
export * from './paths.js';
export * from './stats.js';
