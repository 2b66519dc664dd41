import {
  downloadModel,
  findModel,
  listModels,
  resolveVadModel,
  storeSettings,
  streamProgress,
  UnknownModelError,
  VAD_MODEL_ID,
  verifyModel,
} from '../../models';

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => r[col]?.length ?? 0))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function listModelsCommand(): Promise<void> {
  const settings = storeSettings();
  const models = await listModels(settings);
  const rows = [['MODEL', 'STATE', 'SUITS', 'DESCRIPTION', 'LOCATION']];
  for (const m of models) rows.push([m.id, m.state, m.suits.join(',') || '-', m.description, m.dir]);
  process.stdout.write(`${table(rows)}\n`);
}

export async function downloadModelCommand(id: string): Promise<void> {
  const entry = findModel(id);
  if (!entry) throw new UnknownModelError(id);
  const progress = streamProgress(process.stderr);
  if (entry.source.kind === 'bundled') {
    process.stdout.write(`${id} is bundled with Earshot in ${entry.source.dir}; nothing to download\n`);
    return;
  }
  const where =
    id === VAD_MODEL_ID
      ? await resolveVadModel({ allowDownload: true, progress })
      : await downloadModel(id, { progress });
  process.stdout.write(`${id} is ready in ${where}\n`);
}

export async function verifyModelCommand(id: string): Promise<void> {
  const { dir, files } = await verifyModel(id);
  const rows = files.map((f) => [f.ok ? 'ok' : 'BAD', f.file, f.detail]);
  process.stdout.write(`${dir}\n${table(rows)}\n`);
  const bad = files.filter((f) => !f.ok);
  if (bad.length > 0) {
    const fix =
      findModel(id)?.source.kind === 'bundled'
        ? `it is bundled with the checkout: restore ${dir} (e.g. git checkout -- ${dir})`
        : `delete the bad files and run \`pnpm earshot models download ${id}\``;
    throw new Error(
      `${id} failed verification (${bad.map((f) => `${f.file}: ${f.detail}`).join('; ')}); ${fix}`,
    );
  }
}
