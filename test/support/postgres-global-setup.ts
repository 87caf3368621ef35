import type { TestProject } from 'vitest/node';
import type { TestPostgresServer } from '../../src/storage/testing.js';
import { startPostgresCluster } from './postgres.js';

/**
 * Starts one throwaway PostgreSQL cluster for the whole test run and hands its address to
 * every test file (`inject('wardenPostgres')`, read by `describeEachDatabase`). When the
 * cluster cannot start (no binaries on a developer machine), the run goes on and every
 * PostgreSQL suite fails with the reason, so nothing is skipped silently.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const cluster = await startPostgresCluster();
    const server: TestPostgresServer = {
      url: cluster.url,
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      password: cluster.password,
    };
    project.provide('wardenPostgres', server);
    // Teardown does not run when vitest exits early (a crash, process.exit): stop it then too.
    const onExit = (): void => {
      cluster.stopSync();
    };
    process.once('exit', onExit);
    return async () => {
      process.off('exit', onExit);
      await cluster.stop();
    };
  } catch (error) {
    project.provide('wardenPostgres', {
      unavailable: error instanceof Error ? error.message : String(error),
    });
    return () => Promise.resolve();
  }
}
