/**
 * The hub (apps/hub/src/main.ts) with deliberately slow projections, for the overload fault test: every
 * batch a projection runner processes first waits FAULTS_PROJECTION_MS_PER_EVENT per event (a timer, not
 * busy CPU: the machine is shared). A test seam from the outside, so the hub's own code has no fault switch.
 */
import 'reflect-metadata';
import { ProjectionRunner } from '@concord/projections';

const msPerEvent = Number(process.env.FAULTS_PROJECTION_MS_PER_EVENT ?? '1');
type Process = (this: ProjectionRunner, batch: readonly unknown[]) => Promise<void>;
const runner = ProjectionRunner.prototype as unknown as { process: Process };
const original = runner.process;
runner.process = async function slowProcess(this: ProjectionRunner, batch: readonly unknown[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, batch.length * msPerEvent));
  return original.call(this, batch);
};

// Loaded only now, after the patch: the hub's runners are created with the slow process in place.
void import('../../../apps/hub/src/main');
