// Messages of the standalone master. Executors and drivers connect to the master with the cluster
// secret; the master grants executor cores to applications and tells executors whom to serve.
//
//   executor → master  registerExecutor { executorId, cores, memoryBytes, host, pid }   (request)
//   driver → master    registerApp { appName, driverHost, driverPort, maxCores }        (request → { appId })
//   master → executor  launchApp { appId, driverHost, driverPort, slots }
//   master → executor  releaseApp { appId }          executor → master  appReleased { appId, reason }
//   master → executor  shutdown

export const MasterMessage = {
  registerExecutor: 'registerExecutor',
  registerApp: 'registerApp',
  launchApp: 'launchApp',
  releaseApp: 'releaseApp',
  appReleased: 'appReleased',
  shutdown: 'shutdown',
} as const;
