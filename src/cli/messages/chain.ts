import {ChainUnreachableError} from '../../chain/probe.js'
import {NotRegisteredError, type NeuronContext} from '../../chain/neuron.js'
import {EndpointUrlError, UnknownNetworkError} from '../../config/networks.js'

/** The flags that pick the chain, as the user gave them (the endpoint wins, as in resolveEndpoint). */
function networkFlags(ctx: Pick<NeuronContext, 'network' | 'chainEndpoint'>): string {
  return ctx.chainEndpoint ? `--subtensor.chain_endpoint ${ctx.chainEndpoint}` : `--subtensor.network ${ctx.network ?? 'finney'}`
}

/** The line a user runs when their hotkey is not registered yet. */
export function registerCommand(ctx: NeuronContext): string {
  return `bitmind register --netuid ${ctx.netuid} --wallet.name ${ctx.wallet.name} --wallet.hotkey ${ctx.wallet.hotkey} ${networkFlags(ctx)}`
}

/** The line that stakes on the hotkey, so that the subnet's next epoch gives it a validator permit. */
export function stakeCommand(ctx: NeuronContext): string {
  return `bitmind stake add --amount <TAO> --netuid ${ctx.netuid} --wallet.name ${ctx.wallet.name} --wallet.hotkey ${ctx.wallet.hotkey} ${networkFlags(ctx)}`
}

/** Turns typed errors of the chain libraries into command-line words (flag names, the command to run next). */
export function chainMessage(err: unknown): string | undefined {
  if (err instanceof NotRegisteredError) return `${err.message}. Register it first:\n  ${registerCommand(err)}`
  if (err instanceof ChainUnreachableError) {
    if (err.reason === 'dns') return err.message
    return `${err.message} For a local one start \`bitmind devnet\`, or pick another with --subtensor.network / --subtensor.chain_endpoint`
  }
  if (err instanceof UnknownNetworkError) return `unknown --${err.field} "${err.value}": use finney, test, local or a ws:// / wss:// URL`
  if (err instanceof EndpointUrlError) return `--${err.field} "${err.value}" is not a ws:// or wss:// URL`
  return undefined
}
