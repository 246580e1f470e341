import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLSchema } from 'graphql';

/**
 * graphql's CommonJS build: the schemas checked here are built by Apollo's federation packages (CommonJS), and
 * graphql-js refuses a schema from the other build.
 */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The directive subgraphs put on a field whose value depends on who asks (`Vendor.viewerFollows`): such a field
 * is never computed once for several viewers.
 */
export const viewerDependentDirective = 'viewerDependent';

/**
 * Whether `document` selects a field for which `isViewerDependent(typeName, fieldName)` holds, on any type the
 * field may be read from (an interface's or union's possible types too). Fragments count even when unused.
 */
export function selectsViewerDependentField(
  schema: GraphQLSchema,
  document: DocumentNode,
  isViewerDependent: (typeName: string, fieldName: string) => boolean,
): boolean {
  const typeInfo = new graphqlCjs.TypeInfo(schema);
  let found = false;
  graphqlCjs.visit(
    document,
    graphqlCjs.visitWithTypeInfo(typeInfo, {
      Field: (node) => {
        const parent = typeInfo.getParentType();
        if (!parent || found) return;
        const types = graphqlCjs.isAbstractType(parent) ? schema.getPossibleTypes(parent) : [];
        found = [parent, ...types].some((type) => isViewerDependent(type.name, node.name.value));
      },
    }),
  );
  return found;
}
