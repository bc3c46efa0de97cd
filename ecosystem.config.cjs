// pm2 process file for the bitmind neurons: `pm2 start ecosystem.config.cjs --only bitmind-miner` (or
// `--only bitmind-validator`), then `pm2 logs`. Same commands as the Python subnet's pm2 examples (miner on
// testnet netuid 168, validator on finney netuid 34); edit wallet names, ports and the model path to yours.
// Logs are one line per event; set BITMIND_LOG_FORMAT=json for JSON lines. `args` is an array (paths may hold spaces);
// test/config/ecosystem.test.ts checks every entry's flags against the commands.
const bin = `${__dirname}/bin/run.js`

module.exports = {
  apps: [
    {
      name: 'bitmind-miner',
      script: bin,
      args: [
        'mine',
        '--netuid', '168',
        '--subtensor.network', 'test',
        '--wallet.name', 'miner',
        '--wallet.hotkey', 'default',
        '--axon.port', '8091',
        '--neuron.model_path', `${__dirname}/models/npr.onnx`,
        '--metrics.port', '9101',
      ],
      env: {BITMIND_LOG_FORMAT: 'json'},
      kill_timeout: 10000,
      autorestart: true,
      // a neuron that cannot start (no wallet, no chain) backs off instead of restarting in a tight loop
      exp_backoff_restart_delay: 1000,
    },
    {
      name: 'bitmind-validator',
      script: bin,
      args: [
        'validate',
        '--netuid', '34',
        '--subtensor.network', 'finney',
        '--wallet.name', 'validator',
        '--wallet.hotkey', 'default',
        '--neuron.sample_size', '50',
        // challenge data: the shipped demo photos and their ESRGAN re-upscales (offline); point --data.corpus at an
        // offline corpus (bitmind download-data --offline-corpus) or add --data.dataset for the real thing
        '--data.real_dir', `${__dirname}/assets/demo-photos`,
        '--data.esrgan',
        '--metrics.port', '9102',
      ],
      env: {BITMIND_LOG_FORMAT: 'json'},
      // the validator saves its state every step; SIGTERM lets the current step finish first
      kill_timeout: 30000,
      autorestart: true,
      exp_backoff_restart_delay: 1000,
    },
  ],
}
