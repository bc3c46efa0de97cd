/** The demo's "shipped" miner has no model file to serve. */
export class DemoModelMissingError extends Error {
  constructor(readonly path: string) {
    super(`no detector at ${path}: train one (bitmind train) or give the demo another model file`)
    this.name = 'DemoModelMissingError'
  }
}
