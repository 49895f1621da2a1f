/** "1 badge", "2 badges", "1 person", "2 people": a count with the word that agrees with it (views use it as countOf). */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}
