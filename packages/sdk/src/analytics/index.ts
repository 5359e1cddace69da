/**
 * Analytics over tables: aggregates, group-by with small-group suppression,
 * correlation and t statistics, and model scoring, built with the typed IR
 * builder over secret columns and their `present` mask. Each file's header
 * states what it computes, what its output reveals and its error bound.
 */
export { COUNT_TYPE, STATISTIC_FRAC, STATISTIC_TYPE, STATISTIC_ULP } from './_columns.js';
export { count, histogram, maxOf, mean, minOf, sum, variance } from './aggregates.js';
export { type GroupByOptions, Groups, groupBy } from './groupBy.js';
export { type GroupByKeyOptions, groupByKey, KeyedGroups } from './groupByKey.js';
export { linearScore, logisticScore, threshold } from './models.js';
export { squareRoot } from './squareRoot.js';
export { pearson, tStatistic } from './statistics.js';
