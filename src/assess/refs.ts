import type { ControlRef } from './model.ts';

/** Shorthands for the framework controls the catalogue cites. */
export const nist57 = (control: string): ControlRef => ({ framework: 'NIST SP 800-57', control });
export const nist131a = (control: string): ControlRef => ({ framework: 'NIST SP 800-131A', control });
export const pci = (control: string): ControlRef => ({ framework: 'PCI DSS 4.0', control });
export const iso = (control: string): ControlRef => ({ framework: 'ISO/IEC 27001:2022', control });
export const soc2 = (control: string): ControlRef => ({ framework: 'SOC 2', control });
export const hipaa = (control: string): ControlRef => ({ framework: 'HIPAA', control });
export const cis = (control: string): ControlRef => ({ framework: 'CIS', control });
export const practice = (control: string): ControlRef => ({ framework: 'practice', control });
