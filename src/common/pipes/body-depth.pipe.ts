import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

// Our bodies are flat; anything deeper is hostile. Checked before validation, whose recursion a deeply nested
// body would otherwise exhaust (a 500 instead of a 400).
export const MAX_BODY_DEPTH = 8;

/** Refuses request bodies nested deeper than MAX_BODY_DEPTH, walking them without recursion. */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && depthExceeds(value, MAX_BODY_DEPTH)) {
      throw new BadRequestException(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels`);
    }
    return value;
  }
}

function depthExceeds(root: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[root, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}
