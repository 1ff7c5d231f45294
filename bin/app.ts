#!/usr/bin/env node
/**
 * The example app: it synthesizes offline, with no AWS account (`npm run synth`).
 */
import { App } from 'aws-cdk-lib';
import { WebhookReceiverExampleStack } from './example-stack';

const app = new App();
new WebhookReceiverExampleStack(app, 'WebhookReceiverExample');
app.synth();
