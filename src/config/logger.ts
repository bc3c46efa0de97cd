import {mkdirSync, openSync, writeSync} from 'node:fs'
import path from 'node:path'

import {settings} from './settings.js'

/** Structured, levelled logging to stderr; one line per event, JSON when BITMIND_LOG_FORMAT=json. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const ORDER: Record<LogLevel, number> = {debug: 10, info: 20, warn: 30, error: 40}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(scope: string): Logger
}

export interface LoggerOptions {
  level?: LogLevel
  json?: boolean
  scope?: string
  write?: (line: string) => void
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info'
  const json = opts.json ?? settings.logFormat === 'json'
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return
    const time = new Date().toISOString()
    if (json) {
      write(JSON.stringify({time, level: lvl, scope: opts.scope, msg, ...fields}))
      return
    }
    const extra = fields && Object.keys(fields).length > 0
      ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
      : ''
    write(`${time} ${lvl.toUpperCase().padEnd(5)}${opts.scope ? ` [${opts.scope}]` : ''} ${msg}${extra}`)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (scope) => createLogger({...opts, level, json, write, scope: opts.scope ? `${opts.scope}.${scope}` : scope}),
  }
}

/** JSON lines appended to `file` (created with its folder); for commands whose terminal output is a summary. */
export function createFileLogger(file: string, opts: Omit<LoggerOptions, 'write' | 'json'> = {}): Logger {
  mkdirSync(path.dirname(file), {recursive: true})
  const fd = openSync(file, 'a')
  // synchronous appends: nothing to flush or close, and the log is complete even if the process dies
  return createLogger({...opts, json: true, write: (line) => writeSync(fd, line + '\n')})
}

/** Every event to each logger (each applies its own level). */
export function teeLogger(...loggers: Logger[]): Logger {
  return {
    debug: (m, f) => loggers.forEach((l) => l.debug(m, f)),
    info: (m, f) => loggers.forEach((l) => l.info(m, f)),
    warn: (m, f) => loggers.forEach((l) => l.warn(m, f)),
    error: (m, f) => loggers.forEach((l) => l.error(m, f)),
    child: (scope) => teeLogger(...loggers.map((l) => l.child(scope))),
  }
}

export const silentLogger: Logger = createLogger({write: () => {}})
