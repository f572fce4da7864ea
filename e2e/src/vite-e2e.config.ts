/**
 * The app's Vite configuration for the e2e suite and its scripts. It is the root vite.config.ts
 * without the file watcher and hot reload, because an edit anywhere in the working tree during a
 * run would otherwise make Vite reload the open pages and end their registrations and calls.
 *
 * @module
 */
import { mergeConfig } from 'vite';
import appConfig from '../../vite.config.js';

export default mergeConfig(appConfig, { server: { watch: null, hmr: false } });
