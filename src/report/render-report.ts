import type { AuditRun } from '../assess/model.ts';
import { renderCsv } from './csv-report.ts';
import { renderHtml } from './html-report.ts';
import { renderJson } from './json-report.ts';
import { renderMarkdown } from './markdown-report.ts';
import { renderSarif } from './sarif-report.ts';
import type { CsvTable, ReportFormat } from './report-formats.ts';

export interface RenderOptions {
  /** The Keyward version, named by HTML (footer) and SARIF (tool version). */
  readonly version?: string;
  /** Which table a CSV holds (default `findings`). */
  readonly csvTable?: CsvTable;
}

/** A run rendered in one format: pure (same run and options, same text) and self-contained. */
export function renderReport(run: AuditRun, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'html':
      return renderHtml(run, options.version !== undefined ? { generator: `Keyward ${options.version}` } : {});
    case 'md':
      return renderMarkdown(run);
    case 'json':
      return renderJson(run);
    case 'sarif':
      return renderSarif(run, options.version !== undefined ? { toolVersion: options.version } : {});
    case 'csv':
      return renderCsv(run, options.csvTable);
  }
}
