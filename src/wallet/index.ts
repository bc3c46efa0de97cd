export * from './keyfile.js'
export * from './keypair.js'
export * from './wallet.js'
export {promptHidden, promptLine} from './prompt.js'
