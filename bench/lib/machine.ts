/** A description of the machine the figures were measured on. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { measurementMethod } from './process.js';

/** What latest.json and the printed table say about the machine. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-minute load average when the bench started (other work on a shared machine). */
  loadAverageAtStart: number;
  measurement: string;
}

function cpuModel(): string {
  const fromNode = os.cpus()[0]?.model.trim();
  if (fromNode !== undefined && fromNode !== '') return fromNode;
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cpus: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    measurement: measurementMethod(),
  };
}

/** One line for the table header. */
export function machineLine(info: MachineInfo): string {
  return (
    `${info.cpuModel}, ${info.cpus} CPUs, ${info.memoryGb} GB RAM, ${info.os}, Node ${info.node}, ` +
    `load ${info.loadAverageAtStart} at start`
  );
}
