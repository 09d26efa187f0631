// The lab's non-root users for sudo capture tests. Namespaces share /etc/passwd with the host, so the users
// are host users, created once and idempotently; `lab down` leaves them (they own nothing but a home folder).

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';

import { run } from './exec.ts';

export interface LabUser {
  name: string;
  /** `nopasswd`: `sudo` never asks; `password`: `sudo` asks for `password`. */
  sudo: 'nopasswd' | 'password';
  password?: string;
}

export const NOPASS_USER = 'hsnopass';
export const PASS_USER = 'hspass';
export const SUDOERS_DIR = '/etc/sudoers.d';

export function sudoersFile(user: string): string {
  return `${SUDOERS_DIR}/hopscope-lab-${user}`;
}

export function sudoersText(u: LabUser): string {
  const rule =
    u.sudo === 'nopasswd' ? `${u.name} ALL=(ALL:ALL) NOPASSWD: ALL` : `${u.name} ALL=(ALL:ALL) ALL`;
  return `# Hopscope lab user (hopscope lab up); remove with this file and \`userdel -r ${u.name}\`.\n${rule}\n`;
}

async function userExists(name: string): Promise<boolean> {
  return (await run(['id', '-u', name], { allowFail: true })).code === 0;
}

/** Create (or refresh) both users; a fresh random password for the password user on every `lab up`. */
export async function ensureUsers(): Promise<LabUser[]> {
  const users: LabUser[] = [
    { name: NOPASS_USER, sudo: 'nopasswd' },
    { name: PASS_USER, sudo: 'password', password: randomBytes(12).toString('base64url') },
  ];
  for (const u of users) {
    if (!(await userExists(u.name))) {
      await run([
        'useradd',
        '--create-home',
        '--shell',
        '/bin/bash',
        '--comment',
        'Hopscope lab user',
        u.name,
      ]);
    }
    if (u.password) await run(['chpasswd'], { input: `${u.name}:${u.password}\n` });
    // '*' = no password but not locked: sshd (UsePAM no) refuses locked accounts even for key logins.
    else await run(['usermod', '-p', '*', u.name]);
    const file = sudoersFile(u.name);
    const text = sudoersText(u);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, text, { mode: 0o440 });
      chmodSync(tmp, 0o440);
      await run(['visudo', '-c', '-q', '-f', tmp]);
      renameSync(tmp, file);
    }
  }
  return users;
}
