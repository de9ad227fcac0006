import { escapeHtml, page } from './html.js';

export async function userCodeInputSource(ctx: any, form: string, _out: unknown, err: unknown): Promise<void> {
  const message = err ? '<p class="error">The code is incorrect or the request failed.</p>' : '<p>Enter the code shown on your device.</p>';
  ctx.type = 'html';
  ctx.body = page('Device sign-in', `${message}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`, err ? 'error' : '');
}

export async function userCodeConfirmSource(ctx: any, form: string, client: any, _deviceInfo: unknown, userCode: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Confirm device',
    `<p>Client <code>${escapeHtml(String(client.clientId))}</code> shows the code <code>${escapeHtml(userCode)}</code>.</p>`
      + `${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>`,
  );
}

export async function successSource(ctx: any): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Device approved', '<p>You can close this page.</p>', 'device-approved');
}
