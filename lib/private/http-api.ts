/**
 * The HTTP API variant of the receiver's front door (`apiType: ApiType.HTTP`): the API, its named stage (so the
 * URLs are the REST variant's: `https://<id>.execute-api.<region>.<suffix>/<stage>/<provider id>`), with stage
 * throttling and JSON access logs, one payload 2.0 integration with the verifier shared by every route, routes per
 * provider with their own throttling, and the custom domains of both variants.
 */
import { Names, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { CustomDomainOptions } from '../api';

/**
 * The verifier as the target of every route, without the Lambda permission `HttpLambdaIntegration` adds: the
 * receiver adds one permission for the whole stage itself, as for the REST API.
 */
class VerifierIntegration extends apigatewayv2.HttpRouteIntegration {
  constructor(private readonly verifier: lambda.IFunction) {
    super('Verifier');
  }

  public bind(): apigatewayv2.HttpRouteIntegrationConfig {
    return {
      type: apigatewayv2.HttpIntegrationType.AWS_PROXY,
      uri: this.verifier.functionArn,
      payloadFormatVersion: apigatewayv2.PayloadFormatVersion.VERSION_2_0,
    };
  }
}

export interface ReceiverHttpApiProps {
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogs: logs.ILogGroup;
  readonly verifier: lambda.IFunction;
}

/** An HTTP API and its stage, with the routes added by `addRoute`. */
export class ReceiverHttpApi {
  public readonly api: apigatewayv2.HttpApi;
  public readonly stage: apigatewayv2.HttpStage;
  private readonly integration: VerifierIntegration;
  private readonly props: ReceiverHttpApiProps;

  constructor(scope: Construct, props: ReceiverHttpApiProps) {
    this.props = props;
    this.api = new apigatewayv2.HttpApi(scope, 'HttpApi', {
      apiName: Names.uniqueResourceName(scope, { separator: '-', maxLength: 128 }),
      description: 'Webhook endpoints: one POST route per provider (and GET where it has a GET handshake).',
      // No $default stage: the named stage below keeps the REST variant's URLs.
      createDefaultStage: false,
    });
    this.stage = new apigatewayv2.HttpStage(scope, 'HttpStage', {
      httpApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRateLimit, burstLimit: props.throttlingBurstLimit },
      accessLogSettings: {
        destination: new apigatewayv2.LogGroupLogDestination(props.accessLogs),
        // The REST variant's fields; never a body or a header value (signatures are secrets' output).
        format: apigateway.AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          httpMethod: '$context.httpMethod',
          routeKey: '$context.routeKey',
          status: '$context.status',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
          integrationError: '$context.integrationErrorMessage',
        })),
      },
    });
    this.integration = new VerifierIntegration(props.verifier);
    props.verifier.addPermission('ApiInvoke', {
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      // Only this API's stage, any method and route of it.
      sourceArn: this.api.arnForExecuteApi('*', '/*', props.stageName),
    });
  }

  /** The stage's base URL, ending in `/`. */
  public get url(): string {
    const stack = Stack.of(this.api);
    return `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${this.props.stageName}/`;
  }

  /** A provider's routes (`<METHOD> /<id>`), and their own throttling when the provider sets one. */
  public addRoute(id: string, methods: readonly string[], rate?: number, burst?: number): IConstruct[] {
    const routes = methods.map((method) =>
      new apigatewayv2.HttpRoute(this.api, `${method}${pascal(id)}`, {
        httpApi: this.api,
        routeKey: apigatewayv2.HttpRouteKey.with(`/${id}`, method as apigatewayv2.HttpMethod),
        integration: this.integration,
      }));
    if (rate !== undefined || burst !== undefined) {
      const cfn = this.stage.node.defaultChild as apigatewayv2.CfnStage;
      // RouteSettings is JSON in CloudFormation's schema: its keys are written as they are, in its own case.
      const existing = (cfn.routeSettings ?? {}) as Record<string, unknown>;
      cfn.routeSettings = {
        ...existing,
        ...Object.fromEntries(methods.map((method) => [`${method} /${id}`, {
          ThrottlingRateLimit: rate ?? this.props.throttlingRateLimit,
          ThrottlingBurstLimit: burst ?? this.props.throttlingBurstLimit,
        }])),
      };
    }
    return routes;
  }
}

/** The custom domain and its mapping to the API's stage; returns the base URL on the domain, ending in `/`. */
export function mapCustomDomain(
  scope: Construct,
  options: CustomDomainOptions,
  target: { readonly restApi?: apigateway.RestApi; readonly httpApi?: ReceiverHttpApi },
): { readonly url: string; readonly domain: apigateway.DomainName | apigatewayv2.DomainName } {
  const basePath = options.basePath;
  let domain: apigateway.DomainName | apigatewayv2.DomainName;
  if (target.restApi) {
    domain = new apigateway.DomainName(scope, 'Domain', {
      domainName: options.domainName,
      certificate: options.certificate,
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
    });
    new apigateway.BasePathMapping(scope, 'DomainMapping', {
      domainName: domain,
      restApi: target.restApi,
      stage: target.restApi.deploymentStage,
      basePath,
    });
  } else {
    domain = new apigatewayv2.DomainName(scope, 'Domain', {
      domainName: options.domainName,
      certificate: options.certificate,
      securityPolicy: apigatewayv2.SecurityPolicy.TLS_1_2,
    });
    new apigatewayv2.ApiMapping(scope, 'DomainMapping', {
      api: target.httpApi!.api,
      domainName: domain,
      stage: target.httpApi!.stage,
      apiMappingKey: basePath,
    });
  }
  return { url: `https://${options.domainName}/${basePath ? `${basePath}/` : ''}`, domain };
}

function pascal(id: string): string {
  return id.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
