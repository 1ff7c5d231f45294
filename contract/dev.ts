/**
 * What the local dev server and the test kit (cli/dev/) tell the functions they run, beyond what the construct
 * gives them in AWS.
 */

/**
 * Set to `1` by the dev server and the test kit only: the processor runtime adds the processor's error message
 * (`errorMessage`, at most 500 characters) to its `webhook event failed` log line, so the developer sees why an
 * event failed. Never set in AWS, where a message could echo request data into the logs.
 */
export const DEV_ERRORS_ENV = 'WEBHOOK_RECEIVER_DEV_ERRORS';
